"""What the admin maintains: staff accounts, units, categories, service standards,
canned responses and the calendar overrides.

Every admin change is validated and committed here; the views only parse the
request and render. Problems are BilingualErrors (Thai and English): 422 for
input that is not acceptable, 409 for a change that conflicts with what is
stored, 404 for a missing row.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from complaints.domain.errors import BilingualError, FieldError
from complaints.extensions import db
from complaints.ids import parse_id
from complaints.i18n import KIND_LABELS
from complaints.models import (
    ROLES, CalendarOverride, CannedResponse, Category, Complaint, IntegrityGrant, ServiceStandard,
    StandardsPublication, Unit, User, utcnow,
)
from complaints.services.catalogue import reference_data
from complaints.services.staff import accounts, integrity_grants
from complaints.services.staff.accounts import MIN_PASSWORD_LENGTH
from complaints.domain.thai_calendar import BANGKOK, BE_OFFSET, to_bangkok
from complaints.nlp.cleaning import UnsafeText, clean_text

# The sign-in form accepts at most this many characters, so a longer password
# could never be used.
MAX_PASSWORD_LENGTH = 200
MAX_WORKING_DAYS = 365
KINDS = tuple(KIND_LABELS)

ROLE_LABELS = {
    "officer": ("เจ้าหน้าที่", "Officer"),
    "supervisor": ("หัวหน้างาน", "Supervisor"),
    "manager": ("ผู้บริหาร", "Manager"),
    "admin": ("ผู้ดูแลระบบ", "Administrator"),
    "integrity": ("เจ้าหน้าที่รับแจ้งเบาะแสการทุจริต", "Integrity officer (tip-offs)"),
}

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,79}")
_UNIT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


# --- input checking ---------------------------------------------------------

@dataclass
class Checker:
    """Collects field problems so that one answer names every bad field."""

    errors: list[FieldError] = field(default_factory=list)
    unsafe: bool = False

    def add(self, name: str, th: str, en: str) -> None:
        self.errors.append(FieldError(name, th, en))

    def text(self, name: str, value: str | None, label: tuple[str, str], *, max_len: int,
             required: bool = True, multiline: bool = False) -> str | None:
        try:
            text = clean_text(value or "", multiline=multiline)
        except UnsafeText:
            self.unsafe = True
            self.add(name, f"{label[0]}: ไม่รับข้อความที่มีโค้ด HTML หรือสคริปต์",
                     f"{label[1]}: HTML or script is not accepted.")
            return None
        if not text:
            if required:
                self.add(name, f"กรุณากรอก{label[0]}", f"{label[1]} is required.")
            return None
        if len(text) > max_len:
            self.add(name, f"{label[0]}ยาวเกิน {max_len} ตัวอักษร",
                     f"{label[1]} must be at most {max_len} characters.")
            return None
        return text

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        if self.unsafe:
            raise BilingualError(
                422, "unsafe-text",
                "ไม่รับข้อความที่มีโค้ด HTML หรือสคริปต์ กรุณาแก้ไขช่องที่ระบุ",
                "Text containing HTML or script is not accepted; correct the fields listed.",
                self.errors,
            )
        raise BilingualError(422, "invalid-input", "ข้อมูลไม่ถูกต้อง กรุณาตรวจสอบช่องที่ระบุ",
                             "The submission is not valid; see the fields listed.", self.errors)


def _id(value) -> int | None:
    if value is None or value == "":
        return None
    parsed = parse_id(value)
    return -1 if parsed is None else parsed  # -1: never a row id, reported as unknown


def _not_found(th: str, en: str) -> BilingualError:
    return BilingualError(404, "not-found", th, en)


def _get(model, row_id, th: str, en: str):
    row = db.session.get(model, row_id) if isinstance(row_id, int) else None
    if row is None:
        raise _not_found(th, en)
    return row


def _commit() -> None:
    """Commit; a row that another request stored in the meantime (a unique code, a
    day) becomes a 409 instead of a 500."""
    try:
        db.session.commit()
        reference_data.clear()
    except IntegrityError:
        db.session.rollback()
        raise BilingualError(409, "conflict", "ข้อมูลนี้ถูกบันทึกหรือใช้งานอยู่แล้ว กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง",
                             "This conflicts with data saved in the meantime; reload the page and try again.") from None


def _log(message: str, *args) -> None:
    current_app.logger.info("admin: " + message, *args)


# --- overview ---------------------------------------------------------------

def overview() -> dict:
    """Row counts for the admin index."""
    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    now = utcnow()
    latest = latest_publication()
    return {
        "users": count(User),
        "users_active": count(User, User.active.is_(True)),
        "users_locked": count(User, User.locked_until.is_not(None), User.locked_until > now),
        "units": count(Unit),
        "categories": count(Category),
        "categories_active": count(Category, Category.active.is_(True)),
        "standards": count(ServiceStandard),
        "standards_version": latest.id if latest else 0,
        "canned": count(CannedResponse),
        "canned_active": count(CannedResponse, CannedResponse.active.is_(True)),
        "calendar": count(CalendarOverride),
        "calendar_upcoming": count(CalendarOverride, CalendarOverride.day >= bangkok_today()),
    }


# --- users ------------------------------------------------------------------

def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def get_user(user_id: int) -> User:
    return _get(User, user_id, "ไม่พบผู้ใช้นี้", "No such user.")


def _check_role(check: Checker, role: str | None) -> str | None:
    if role not in ROLES:
        check.add("role", "บทบาทไม่ถูกต้อง", f"Role must be one of: {', '.join(ROLES)}.")
        return None
    return role


def _check_unit(check: Checker, unit_id, name: str = "unit_id") -> Unit | None:
    unit_id = _id(unit_id)
    if unit_id is None:
        return None
    unit = db.session.get(Unit, unit_id) if unit_id > 0 else None
    if unit is None:
        check.add(name, "ไม่พบหน่วยงานที่เลือก", "The unit chosen does not exist.")
    return unit


def _check_email(check: Checker, email: str | None) -> str | None:
    email = check.text("email", email, ("อีเมล", "Email"), max_len=254, required=False)
    if email and not _EMAIL.fullmatch(email):
        check.add("email", "รูปแบบอีเมลไม่ถูกต้อง", "The email address is not valid.")
        return None
    return email


def _check_password(check: Checker, password: str | None) -> str | None:
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        check.add("password", f"รหัสผ่านต้องมีอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร",
                  f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
        return None
    if len(password) > MAX_PASSWORD_LENGTH:
        check.add("password", f"รหัสผ่านยาวเกิน {MAX_PASSWORD_LENGTH} ตัวอักษร",
                  f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
        return None
    return password


def _check_names(check: Checker, username: str | None, display_name: str | None) -> tuple[str, str | None]:
    username = (username or "").strip()
    if not _USERNAME.fullmatch(username):
        check.add("username", "ชื่อผู้ใช้ต้องยาว 3-80 ตัวอักษร ใช้ได้เฉพาะ a-z 0-9 . _ -",
                  "The username must be 3-80 characters of a-z, 0-9, '.', '_' or '-'.")
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        check.add("username", "มีชื่อผู้ใช้นี้อยู่แล้ว", "That username is already taken.")
    return username, check.text("display_name", display_name, ("ชื่อที่แสดง", "Display name"), max_len=200)


def check_new_account(check: Checker, username: str | None, display_name: str | None,
                      password: str | None) -> tuple[str, str | None, str | None]:
    """The username, display name and password of a new account, cleaned; problems go to `check`.

    The one set of rules for every way an account is made (admin page, `flask setup`, first-run page).
    """
    username, display_name = _check_names(check, username, display_name)
    return username, display_name, _check_password(check, password)


def _checked_new_user(check: Checker, username: str, display_name: str, role: str, unit_id,
                      email: str | None) -> dict:
    username, display_name = _check_names(check, username, display_name)
    return {"username": username, "display_name": display_name, "role": _check_role(check, role),
            "unit": _check_unit(check, unit_id), "email": _check_email(check, email)}


def _two_admins() -> BilingualError:
    return BilingualError(
        403, "integrity-two-admins",
        "ผู้ดูแลระบบคนเดียวให้สิทธิ์ผู้ดูแลระบบหรือเจ้าหน้าที่รับแจ้งเบาะแสการทุจริตไม่ได้ ต้องเสนอแล้วให้ผู้ดูแลระบบอีกคนอนุมัติ",
        "One admin alone cannot grant admin or integrity-officer access; propose it and have a different admin "
        "approve it.")


def create_user(*, username: str, display_name: str, role: str, password: str, unit_id=None,
                email: str | None = None) -> User:
    """A new staff account, on the rules of accounts.create_user.

    Never an admin or integrity officer: that is a grant for two admins (propose_guarded_user).
    """
    check = Checker()
    fields = _checked_new_user(check, username, display_name, role, unit_id, email)
    password = _check_password(check, password)
    check.raise_if_any()
    if fields["role"] in integrity_grants.GUARDED_ROLES:
        raise _two_admins()
    unit = fields["unit"]
    try:
        user = accounts.create_user(fields["username"], fields["display_name"], fields["role"], password,
                                    unit.code if unit else None, fields["email"])
    except accounts.AccountError as exc:
        db.session.rollback()
        raise BilingualError(409, "account-conflict", "สร้างบัญชีไม่ได้ (อาจมีผู้ใช้ชื่อนี้แล้ว)",
                             f"The account could not be created: {exc}.") from None
    _log("created user %s (%s)", user.username, user.role)
    return user


def propose_guarded_user(actor: User, *, username: str, display_name: str, role: str = integrity_grants.ROLE,
                         unit_id=None, email: str | None = None) -> IntegrityGrant:
    """Propose a new admin or integrity officer; a different admin approves it (and gets the password)."""
    check = Checker()
    fields = _checked_new_user(check, username, display_name, role, unit_id, email)
    check.raise_if_any()
    if fields["role"] not in integrity_grants.GUARDED_ROLES:
        raise BilingualError(422, "not-a-grant", "บทบาทนี้สร้างได้โดยตรง ไม่ต้องขออนุมัติ",
                             "This role needs no approval: create the account directly.")
    unit = fields["unit"]
    return integrity_grants.propose(actor, "create", username=fields["username"], payload={
        "display_name": fields["display_name"], "role": fields["role"], "unit_id": unit.id if unit else None,
        "email": fields["email"]})


def update_user(actor: User, user: User, *, display_name: str, role: str, unit_id=None,
                email: str | None = None, active: bool) -> User | IntegrityGrant:
    """Change an account's name, role, unit, email and active flag.

    An admin cannot deactivate or demote themselves: that could leave no one
    able to administer the system. An edit that grants or takes the integrity
    role, or re-activates an integrity officer, is only proposed: the account is
    left as it is and the proposal is returned for a second admin.
    """
    check = Checker()
    display_name = check.text("display_name", display_name, ("ชื่อที่แสดง", "Display name"), max_len=200)
    role = _check_role(check, role)
    unit = _check_unit(check, unit_id)
    email = _check_email(check, email)
    check.raise_if_any()
    if user.id == actor.id and (role != "admin" or not active):
        raise BilingualError(
            409, "self-lockout",
            "ผู้ดูแลระบบไม่สามารถปิดการใช้งานหรือลดสิทธิ์บัญชีของตนเองได้ ให้ผู้ดูแลระบบคนอื่นดำเนินการแทน",
            "An admin cannot deactivate or demote their own account; ask another admin to do it.",
        )
    grant = integrity_grants.update_action(user, role, bool(active), email)
    if grant:
        return integrity_grants.propose(actor, grant, target=user, username=user.username, payload={
            "display_name": display_name, "role": role, "unit_id": unit.id if unit else None, "email": email,
            "active": bool(active)})
    user.display_name, user.role, user.unit, user.email, user.active = display_name, role, unit, email, bool(active)
    _commit()
    _log("updated user %s (role %s, active %s)", user.username, user.role, user.active)
    return user


def new_password(password: str | None) -> str:
    """The password to set: the one given if it passes the strength rule (BilingualError
    if not), else a random one."""
    if not password:
        return secrets.token_urlsafe(12)
    check = Checker()
    password = _check_password(check, password)
    check.raise_if_any()
    return password


def reset_password(user: User, password: str | None = None, actor: User | None = None) -> str | IntegrityGrant:
    """Set the given password, or a random one; returns it so it can be shown once.

    The lock from failed sign-ins is cleared too, so the new password works at once.
    An integrity officer's password is only proposed (the proposal is returned, the
    typed password dropped): the approving admin gets a generated one.
    """
    if integrity_grants.password_needs_grant(user, actor):
        if actor is None:
            raise _two_admins()
        return integrity_grants.propose(actor, "password", target=user, username=user.username, payload={})
    password = new_password(password)
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    _commit()
    _log("reset the password of %s", user.username)
    return password


def unlock_user(user: User) -> User:
    user.failed_logins = 0
    user.locked_until = None
    _commit()
    _log("unlocked %s", user.username)
    return user


# --- units ------------------------------------------------------------------

def get_unit(unit_id: int) -> Unit:
    return _get(Unit, unit_id, "ไม่พบหน่วยงานนี้", "No such unit.")


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


def save_unit(unit: Unit | None, *, code: str, name_th: str, name_en: str, parent_id=None) -> Unit:
    """Create (unit None) or edit a unit; a parent that would make a cycle is refused."""
    check = Checker()
    code = check.text("code", code, ("รหัสหน่วยงาน", "Unit code"), max_len=40)
    if code and not _UNIT_CODE.fullmatch(code):
        check.add("code", "รหัสหน่วยงานใช้ได้เฉพาะ a-z 0-9 . _ - และไม่มีช่องว่าง",
                  "The unit code may use only a-z, 0-9, '.', '_' and '-', without spaces.")
        code = None
    if code and db.session.scalar(select(Unit.id).where(Unit.code == code, Unit.id != (unit.id if unit else -1))):
        check.add("code", "มีหน่วยงานที่ใช้รหัสนี้แล้ว", "Another unit already has this code.")
    name_th = check.text("name_th", name_th, ("ชื่อภาษาไทย", "Thai name"), max_len=200)
    name_en = check.text("name_en", name_en, ("ชื่อภาษาอังกฤษ", "English name"), max_len=200)
    parent = _check_unit(check, parent_id, "parent_id")
    if unit is not None and parent is not None and _would_cycle(unit, parent):
        check.add("parent_id",
                  "หน่วยงานต้นสังกัดนี้จะทำให้เกิดวงวน (หน่วยงานจะอยู่ใต้ตนเองหรือหน่วยงานย่อยของตนเองไม่ได้)",
                  "That parent would make a cycle: a unit cannot sit under itself or one of its own sub-units.")
    check.raise_if_any()
    if unit is None:
        unit = Unit(code=code, name_th=name_th, name_en=name_en)
        db.session.add(unit)
    else:
        unit.code, unit.name_th, unit.name_en = code, name_th, name_en
    unit.parent = parent
    _commit()
    _log("saved unit %s", unit.code)
    return unit


def unit_usage(unit: Unit) -> dict[str, int]:
    def count(model, column) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(column == unit.id)) or 0

    return {
        "sub_units": count(Unit, Unit.parent_id),
        "categories": count(Category, Category.unit_id),
        "users": count(User, User.unit_id),
        "complaints": count(Complaint, Complaint.unit_id),
    }


def delete_unit(unit: Unit) -> None:
    """Delete a unit nothing refers to; a unit in use is refused."""
    usage = unit_usage(unit)
    if any(usage.values()):
        raise BilingualError(
            409, "unit-in-use",
            "ลบหน่วยงานนี้ไม่ได้เพราะยังมีการใช้งานอยู่ (หน่วยงานย่อย {sub_units}, หมวดหมู่ {categories}, "
            "ผู้ใช้ {users}, เรื่องร้องเรียน {complaints})".format(**usage),
            "This unit is in use and cannot be deleted ({sub_units} sub-units, {categories} categories, "
            "{users} users, {complaints} complaints).".format(**usage),
        )
    code = unit.code
    db.session.delete(unit)
    _commit()
    _log("deleted unit %s", code)


# --- categories -------------------------------------------------------------

def list_categories() -> list[Category]:
    """Active first; within them those an import created and nobody has reviewed yet."""
    return list(db.session.scalars(select(Category).order_by(
        Category.active.desc(), Category.needs_review.desc(), Category.name_th)))


def get_category(category_id: int) -> Category:
    return _get(Category, category_id, "ไม่พบหมวดหมู่นี้", "No such category.")


def category_options() -> list[tuple[int, str]]:
    return [(c.id, f"{c.name_th} / {c.name_en}" + ("" if c.active else " (ปิดใช้ / inactive)"))
            for c in list_categories()]


def save_category(category: Category | None, *, code: str, name_th: str, name_en: str, unit_id=None,
                  active: bool = True) -> Category:
    check = Checker()
    code = check.text("code", code, ("รหัสหมวดหมู่", "Category code"), max_len=40)
    if code and db.session.scalar(select(Category.id).where(
            Category.code == code, Category.id != (category.id if category else -1))):
        check.add("code", "มีหมวดหมู่ที่ใช้รหัสนี้แล้ว", "Another category already has this code.")
    name_th = check.text("name_th", name_th, ("ชื่อภาษาไทย", "Thai name"), max_len=200)
    name_en = check.text("name_en", name_en, ("ชื่อภาษาอังกฤษ", "English name"), max_len=200)
    unit = _check_unit(check, unit_id)
    check.raise_if_any()
    if category is None:
        category = Category(code=code, name_th=name_th, name_en=name_en)
        db.session.add(category)
    else:
        category.code, category.name_th, category.name_en = code, name_th, name_en
    category.unit, category.active = unit, bool(active)
    # Saving the form is the admin's review of a category an import created.
    category.needs_review = False
    _commit()
    _log("saved category %s", category.code)
    return category


# --- service standards --------------------------------------------------------

def list_standards() -> list[ServiceStandard]:
    """The default first, then the specific rows by category and kind."""
    rows = db.session.scalars(select(ServiceStandard)).all()
    return sorted(rows, key=lambda r: (r.category_id is not None or r.kind is not None,
                                       r.category.name_th if r.category else "", r.kind or ""))


def get_standard(standard_id: int) -> ServiceStandard:
    return _get(ServiceStandard, standard_id, "ไม่พบมาตรฐานนี้", "No such service standard.")


def latest_publication() -> StandardsPublication | None:
    return db.session.scalar(select(StandardsPublication).order_by(StandardsPublication.id.desc()))


def publications(limit: int = 20) -> list[tuple[StandardsPublication, User | None]]:
    rows = db.session.execute(
        select(StandardsPublication, User).outerjoin(User, User.id == StandardsPublication.published_by_id)
        .order_by(StandardsPublication.id.desc()).limit(limit)
    ).all()
    return [(publication, user) for publication, user in rows]


def standard_scope(row: ServiceStandard) -> tuple[str, str]:
    """What a standard applies to, in Thai and English."""
    if row.category is None and row.kind is None:
        return "ค่าเริ่มต้น (ทุกหมวด ทุกประเภท)", "Default (every category and kind)"
    category = (row.category.name_th, row.category.name_en) if row.category else ("ทุกหมวด", "any category")
    kind = KIND_LABELS.get(row.kind, ("ทุกประเภท", "any kind"))
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
            check.add(name, f"{th}: ต้องเป็นจำนวนเต็ม 1-{MAX_WORKING_DAYS} วันทำการ",
                      f"{en}: must be a whole number of working days from 1 to {MAX_WORKING_DAYS}.")
        else:
            days[name] = number
    if len(days) < len(_DAY_FIELDS):
        return None
    if not days["ack"] <= days["first_response"] <= days["resolve"]:
        check.add("first_response",
                  "ระยะเวลาต้องเรียงกัน: ตอบรับ ≤ แจ้งความคืบหน้าครั้งแรก ≤ แจ้งผลการดำเนินการ",
                  "The days must be in order: acknowledge ≤ first response ≤ resolve.")
        return None
    return days


def _publish(admin: User, note: str | None, automatic: str) -> StandardsPublication:
    publication = StandardsPublication(published_by_id=admin.id, note=(note or automatic)[:500])
    db.session.add(publication)
    return publication


def _days_text(row: ServiceStandard) -> str:
    return f"{row.ack_working_days}/{row.first_response_working_days}/{row.resolve_working_days}"


def save_standard(admin: User, row: ServiceStandard | None, *, ack, first_response, resolve,
                  category_id=None, kind: str | None = None, note: str | None = None
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
        category_id = _id(category_id)
        if category_id is not None:
            category = db.session.get(Category, category_id) if category_id > 0 else None
            if category is None:
                check.add("category_id", "ไม่พบหมวดหมู่ที่เลือก", "The category chosen does not exist.")
        kind = kind or None
        if kind is not None and kind not in KINDS:
            check.add("kind", "ประเภทเรื่องไม่ถูกต้อง", f"Kind must be one of: {', '.join(KINDS)}.")
    check.raise_if_any()

    if row is None:
        existing = db.session.scalar(select(ServiceStandard.id).where(
            ServiceStandard.category_id.is_(None) if category is None else ServiceStandard.category_id == category.id,
            ServiceStandard.kind.is_(None) if kind is None else ServiceStandard.kind == kind,
        ))
        if existing is not None:
            raise BilingualError(409, "standard-exists",
                                 "มีมาตรฐานสำหรับหมวดหมู่และประเภทนี้อยู่แล้ว กรุณาแก้ไขรายการเดิม",
                                 "A standard for this category and kind already exists; edit that one.")
        row = ServiceStandard(category=category, kind=kind)
        db.session.add(row)
        before = None
    else:
        before = _days_text(row)
    row.ack_working_days = days["ack"]
    row.first_response_working_days = days["first_response"]
    row.resolve_working_days = days["resolve"]
    after = _days_text(row)
    if before == after:
        db.session.rollback()
        return row, None
    scope_th, scope_en = standard_scope(row)
    verb_th, verb_en = ("เพิ่ม", "Added") if before is None else ("แก้ไข", "Changed")
    change = after if before is None else f"{before} → {after}"
    publication = _publish(admin, note, f"{verb_th}มาตรฐาน {scope_th}: {change} วันทำการ / "
                                        f"{verb_en} standard {scope_en}: {change} working days")
    _commit()
    _log("standard %s now %s (publication %s)", scope_en, after, publication.id)
    return row, publication


def delete_standard(admin: User, row: ServiceStandard, note: str | None = None) -> StandardsPublication:
    """Delete a specific standard and publish the change; the default cannot be deleted."""
    if row.category is None and row.kind is None:
        raise BilingualError(409, "default-standard",
                             "ลบมาตรฐานค่าเริ่มต้นไม่ได้ แก้ไขจำนวนวันได้เท่านั้น",
                             "The default standard cannot be deleted; only its days can be changed.")
    check = Checker()
    note = check.text("note", note, ("หมายเหตุการประกาศ", "Publication note"), max_len=500, required=False)
    check.raise_if_any()
    scope_th, scope_en = standard_scope(row)
    db.session.delete(row)
    publication = _publish(admin, note, f"ยกเลิกมาตรฐาน {scope_th} / Removed standard {scope_en}")
    _commit()
    _log("deleted standard %s (publication %s)", scope_en, publication.id)
    return publication


# --- canned responses -------------------------------------------------------

def list_canned() -> list[CannedResponse]:
    return list(db.session.scalars(select(CannedResponse).order_by(CannedResponse.active.desc(),
                                                                   CannedResponse.title)))


def get_canned(canned_id: int) -> CannedResponse:
    return _get(CannedResponse, canned_id, "ไม่พบข้อความสำเร็จรูปนี้", "No such canned response.")


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
    _commit()
    _log("saved canned response %s", row.id)
    return row


# --- calendar overrides -----------------------------------------------------

def list_overrides() -> list[CalendarOverride]:
    return list(db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day.desc())))


_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_day(value: str | None) -> date | None:
    """A day written as YYYY-MM-DD or DD/MM/YYYY; a year from 2400 is Buddhist era."""
    text = (value or "").strip()
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
        else:
            parsed = date.fromisoformat(text)
            day, month, year = parsed.day, parsed.month, parsed.year
        if year >= 2400:
            year -= BE_OFFSET
        result = date(year, month, day)
    except ValueError:
        return None
    return result if 2000 <= result.year <= 2200 else None


def add_override(*, day: str, is_holiday: bool, note: str | None = None) -> CalendarOverride:
    """Record a Cabinet-announced holiday (or working day); deadlines computed after this use it."""
    check = Checker()
    parsed = parse_day(day)
    if parsed is None:
        check.add("day", "วันที่ไม่ถูกต้อง (เช่น 2026-12-07 หรือ 7/12/2569)",
                  "The date is not valid (for example 2026-12-07 or 7/12/2569 BE).")
    note = check.text("note", note, ("หมายเหตุ", "Note"), max_len=200, required=False)
    check.raise_if_any()
    if db.session.get(CalendarOverride, parsed) is not None:
        raise BilingualError(409, "override-exists",
                             "วันนี้มีการกำหนดไว้แล้ว กรุณาลบรายการเดิมก่อน",
                             "That day already has an override; delete it first.")
    row = CalendarOverride(day=parsed, is_holiday=bool(is_holiday), note=note or "")
    db.session.add(row)
    _commit()
    _log("calendar override %s holiday=%s", parsed.isoformat(), row.is_holiday)
    return row


def delete_override(day: str) -> None:
    parsed = parse_day(day)
    row = db.session.get(CalendarOverride, parsed) if parsed else None
    if row is None:
        raise _not_found("ไม่พบวันที่กำหนดไว้นี้", "No override for that day.")
    db.session.delete(row)
    _commit()
    _log("deleted calendar override %s", parsed.isoformat())


def day_moment(day: date) -> datetime:
    """Noon in Bangkok on `day`, for the thai_date filter (which takes a datetime)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=BANGKOK)


def bangkok_today() -> date:
    return to_bangkok(utcnow()).date()
