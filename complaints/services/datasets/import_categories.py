"""The categories of imported history: a file's labels looked up, or created (`--create-categories`).

An agency importing its own history has its own categories. With
`--create-categories` a label that names no category becomes one: code and Thai
name are the label, the English name is the label too until an admin writes one
(an empty name would leave the English pages blank), it is routed to a default
unit, follows the default service standard (it has no standard of its own) and
is flagged `needs_review` for the admin's category list. Labels are data from
outside: they are cleaned like any text and refused when they still carry
markup, are longer than a category code may be, or have characters no category
name needs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.models import Category, Unit
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.services.catalogue import reference_data
from complaints.services.catalogue.reference_data import CategoryRef


def _code_length() -> int:
    code_type = Category.__table__.c.code.type
    if not isinstance(code_type, String) or code_type.length is None:
        raise TypeError("categories.code is expected to be a String of a given length")
    return code_type.length


MAX_LABEL_CHARS = _code_length()
# Besides letters, combining marks (Thai vowels and tone marks) and digits: what real
# category names use ("PM2.5", "ถนน/ทางเท้า", "น้ำท่วม (ขัง)"); quotes, semicolons,
# angle brackets and the like have no place in a name.
LABEL_PUNCTUATION = frozenset(" .-_/()&+")
# The unit made when the database has none at all (a fresh install that was never seeded).
INTAKE_UNIT_NAMES = ("หน่วยรับเรื่อง", "Intake unit")


class LabelRefused(ValueError):
    """A row's label cannot give a category; `code` is the import's reason code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def clean_label(value: str) -> str:
    """The label of a row ('' for none). Traffy's full export writes several as `{ถนน,ทางเท้า}`:
    the first counts."""
    try:
        value = clean_text(value, multiline=False)
    except UnsafeText:
        raise LabelRefused("unsafe-label") from None
    value = value.strip("{}")
    value = " ".join(value.split(",")[0].split()) if value else ""
    if len(value) > MAX_LABEL_CHARS:
        raise LabelRefused("label-too-long")
    return value


def fit_for_a_name(label: str) -> bool:
    return all(unicodedata.category(ch)[0] in "LMN" or ch in LABEL_PUNCTUATION for ch in label)


def _unusable(th: str, en: str) -> BilingualError:
    return BilingualError(422, "no-default-unit", th, en)


@dataclass(frozen=True)
class DefaultUnit:
    id: int
    code: str
    created: bool = False


def default_unit(code: str | None) -> DefaultUnit:
    """The unit that new categories go to: the one named (`--default-unit`), else the
    complaints centre (INTAKE_UNIT_CODE), else, in a database with no unit at all, a new
    intake unit under that code. Units that exist but none of them chosen is an error:
    guessing one would send a whole history to the wrong office."""
    intake_code = current_app.config["INTAKE_UNIT_CODE"]
    units = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    if code:
        if code not in units:
            raise _unusable(
                f"ไม่พบหน่วยงานรหัส {code} (มี: {', '.join(sorted(units)) or '-'})",
                f"No unit has the code {code} (units: {', '.join(sorted(units)) or 'none'}).",
            )
        return DefaultUnit(units[code], code)
    if intake_code in units:
        return DefaultUnit(units[intake_code], intake_code)
    if units:
        raise _unusable(
            f"ไม่มีหน่วยงานรหัส {intake_code} ที่จะรับหมวดหมู่ใหม่: ระบุ --default-unit รหัสหน่วยงาน "
            f"(มี: {', '.join(sorted(units))})",
            f"No unit with the code {intake_code} to take the new categories: give --default-unit CODE "
            f"(units: {', '.join(sorted(units))}).",
        )
    unit = Unit(code=intake_code, name_th=INTAKE_UNIT_NAMES[0], name_en=INTAKE_UNIT_NAMES[1])
    db.session.add(unit)
    db.session.commit()
    reference_data.clear()
    return DefaultUnit(unit.id, intake_code, created=True)


@dataclass
class Categories:
    """label -> category for one import; creates the missing ones when `unit_id` is given."""

    unit_id: int | None = None
    created: list[str] = field(default_factory=list)
    _active: dict[str, CategoryRef] = field(default_factory=dict)
    _inactive: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._active = dict(reference_data.active_categories())
        self._inactive = set(db.session.scalars(select(Category.code).where(Category.active.is_(False))))

    @property
    def creating(self) -> bool:
        return self.unit_id is not None

    def get(self, label: str) -> CategoryRef:
        """The category of a cleaned, non-empty label; raises LabelRefused."""
        found = self._active.get(label)
        if found is not None:
            return found
        if label in self._inactive:  # an admin closed it: importing must not reopen it
            raise LabelRefused("inactive-category")
        if not self.creating:
            raise LabelRefused("unknown-category")
        if not fit_for_a_name(label):
            raise LabelRefused("bad-label")
        return self._create(label)

    def _create(self, label: str) -> CategoryRef:
        category = Category(
            code=label, name_th=label, name_en=label, unit_id=self.unit_id, active=True, needs_review=True
        )
        db.session.add(category)
        try:
            db.session.commit()
        except IntegrityError:  # made in the meantime by another import or an admin
            db.session.rollback()
            existing = db.session.scalar(select(Category).where(Category.code == label))
            if existing is None or not existing.active:
                raise LabelRefused("inactive-category" if existing else "unknown-category") from None
            category = existing
        else:
            self.created.append(label)
        reference_data.clear()
        ref = self._active[label] = CategoryRef(
            category.id, category.code, category.unit_id, category.name_th, category.name_en
        )
        return ref
