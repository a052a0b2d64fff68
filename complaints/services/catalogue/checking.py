"""Checking what the admin enters, and the helpers every catalogue change shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, overload

from flask import current_app

from complaints.domain.errors import BilingualError, FieldError
from complaints.extensions import db
from complaints.i18n import KIND_LABELS
from complaints.ids import parse_id
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.services import unit_of_work
from complaints.services.catalogue import reference_data

MAX_WORKING_DAYS = 365
KINDS = tuple(KIND_LABELS)


@dataclass
class Checker:
    """Collects field problems so that one answer names every bad field."""

    errors: list[FieldError] = field(default_factory=list)
    unsafe: bool = False

    def add(self, name: str, th: str, en: str) -> None:
        self.errors.append(FieldError(name, th, en))

    @overload
    def text(
        self,
        name: str,
        value: str | None,
        label: tuple[str, str],
        *,
        max_len: int,
        required: Literal[True] = True,
        multiline: bool = False,
    ) -> str: ...

    @overload
    def text(
        self,
        name: str,
        value: str | None,
        label: tuple[str, str],
        *,
        max_len: int,
        required: bool,
        multiline: bool = False,
    ) -> str | None: ...

    def text(
        self,
        name: str,
        value: str | None,
        label: tuple[str, str],
        *,
        max_len: int,
        required: bool = True,
        multiline: bool = False,
    ) -> str | None:
        """The cleaned text. A refused one is recorded (raise_if_any raises before it is
        used) and comes back as "" when the field is required, else as None, the same
        as an optional field left empty."""
        refused = "" if required else None
        try:
            text = clean_text(value or "", multiline=multiline)
        except UnsafeText:
            self.unsafe = True
            self.add(name, f"{label[0]}: ไม่รับข้อความที่มีโค้ด HTML หรือสคริปต์", f"{label[1]}: HTML or script is not accepted.")
            return refused
        if not text:
            if required:
                self.add(name, f"กรุณากรอก{label[0]}", f"{label[1]} is required.")
            return refused
        if len(text) > max_len:
            self.add(name, f"{label[0]}ยาวเกิน {max_len} ตัวอักษร", f"{label[1]} must be at most {max_len} characters.")
            return refused
        return text

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        if self.unsafe:
            raise BilingualError(
                422,
                "unsafe-text",
                "ไม่รับข้อความที่มีโค้ด HTML หรือสคริปต์ กรุณาแก้ไขช่องที่ระบุ",
                "Text containing HTML or script is not accepted; correct the fields listed.",
                self.errors,
            )
        raise BilingualError(
            422,
            "invalid-input",
            "ข้อมูลไม่ถูกต้อง กรุณาตรวจสอบช่องที่ระบุ",
            "The submission is not valid; see the fields listed.",
            self.errors,
        )


def parse_row_id(value) -> int | None:
    if value is None or value == "":
        return None
    parsed = parse_id(value)
    return -1 if parsed is None else parsed  # -1: never a row id, reported as unknown


def not_found(th: str, en: str) -> BilingualError:
    return BilingualError(404, "not-found", th, en)


def get_row(model, row_id, th: str, en: str):
    row = db.session.get(model, row_id) if isinstance(row_id, int) else None
    if row is None:
        raise not_found(th, en)
    return row


def changed() -> None:
    """Send the change to the database in the caller's unit of work (a row that another
    request stored in the meantime, a unique code or a day, becomes its 409) and let this
    process read the new reference data as soon as it commits."""
    db.session.flush()
    unit_of_work.after_commit(reference_data.clear)


def log_change(message: str, *args) -> None:
    current_app.logger.info("admin: " + message, *args)
