"""Canned responses officers insert into public replies."""

from __future__ import annotations

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import (
    CannedResponse,
)
from complaints.services.catalogue.checking import Checker, changed, get_row, log_change


def list_canned() -> list[CannedResponse]:
    return list(db.session.scalars(select(CannedResponse).order_by(CannedResponse.active.desc(), CannedResponse.title)))


def get_canned(canned_id: int) -> CannedResponse:
    return get_row(CannedResponse, canned_id, "ไม่พบข้อความสำเร็จรูปนี้", "No such canned response.")


def save_canned(row: CannedResponse | None, *, title: str, body: str, active: bool = True) -> CannedResponse:
    check = Checker()
    title = check.text("title", title, ("ชื่อข้อความ", "Title"), max_len=200)
    body = check.text("body", body, ("ข้อความ", "Text"), max_len=5000, multiline=True)
    check.raise_if_any()
    if row is None:
        row = CannedResponse(title=title, body=body)
        db.session.add(row)
    else:
        row.title, row.body = title, body
    row.active = bool(active)
    changed()
    log_change("saved canned response %s", row.id)
    return row
