"""Staff accounts as the admin manages them: create, edit, reset a password, unlock; admin and
integrity roles are granted through integrity_grants."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.models import (
    ROLES,
    IntegrityGrant,
    User,
)
from complaints.services.catalogue.checking import Checker, changed, get_row, log_change
from complaints.services.catalogue.units import check_unit
from complaints.services.staff import accounts, integrity_grants
from complaints.services.staff.accounts import MIN_PASSWORD_LENGTH

# The sign-in form accepts at most this many characters, so a longer password
# could never be used.
MAX_PASSWORD_LENGTH = 200

ROLE_LABELS = {
    "officer": ("เจ้าหน้าที่", "Officer"),
    "supervisor": ("หัวหน้างาน", "Supervisor"),
    "manager": ("ผู้บริหาร", "Manager"),
    "admin": ("ผู้ดูแลระบบ", "Administrator"),
    "integrity": ("เจ้าหน้าที่รับแจ้งเบาะแสการทุจริต", "Integrity officer (tip-offs)"),
}

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,79}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def get_user(user_id: int) -> User:
    return get_row(User, user_id, "ไม่พบผู้ใช้นี้", "No such user.")


# Like Checker.text, a refused role or password comes back as "" (the problem is in
# `check`, and raise_if_any raises before it is used).


def _check_role(check: Checker, role: str | None) -> str:
    if role is None or role not in ROLES:
        check.add("role", "บทบาทไม่ถูกต้อง", f"Role must be one of: {', '.join(ROLES)}.")
        return ""
    return role


def _check_email(check: Checker, email: str | None) -> str | None:
    email = check.text("email", email, ("อีเมล", "Email"), max_len=254, required=False)
    if email and not _EMAIL.fullmatch(email):
        check.add("email", "รูปแบบอีเมลไม่ถูกต้อง", "The email address is not valid.")
        return None
    return email


def _check_password(check: Checker, password: str | None) -> str:
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        check.add(
            "password",
            f"รหัสผ่านต้องมีอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร",
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
        )
        return ""
    if len(password) > MAX_PASSWORD_LENGTH:
        check.add(
            "password",
            f"รหัสผ่านยาวเกิน {MAX_PASSWORD_LENGTH} ตัวอักษร",
            f"The password must have at most {MAX_PASSWORD_LENGTH} characters.",
        )
        return ""
    return password


def _check_names(check: Checker, username: str | None, display_name: str | None) -> tuple[str, str]:
    username = (username or "").strip()
    if not _USERNAME.fullmatch(username):
        check.add(
            "username",
            "ชื่อผู้ใช้ต้องยาว 3-80 ตัวอักษร ใช้ได้เฉพาะ a-z 0-9 . _ -",
            "The username must be 3-80 characters of a-z, 0-9, '.', '_' or '-'.",
        )
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        check.add("username", "มีชื่อผู้ใช้นี้อยู่แล้ว", "That username is already taken.")
    return username, check.text("display_name", display_name, ("ชื่อที่แสดง", "Display name"), max_len=200)


def check_new_account(
    check: Checker, username: str | None, display_name: str | None, password: str | None
) -> tuple[str, str, str]:
    """The username, display name and password of a new account, cleaned; problems go to `check`.

    The one set of rules for every way an account is made (admin page, `flask setup`, first-run page).
    """
    username, display_name = _check_names(check, username, display_name)
    return username, display_name, _check_password(check, password)


def _checked_new_user(check: Checker, username: str, display_name: str, role: str, unit_id, email: str | None) -> dict:
    username, display_name = _check_names(check, username, display_name)
    return {
        "username": username,
        "display_name": display_name,
        "role": _check_role(check, role),
        "unit": check_unit(check, unit_id),
        "email": _check_email(check, email),
    }


def _two_admins() -> BilingualError:
    return BilingualError(
        403,
        "integrity-two-admins",
        "ผู้ดูแลระบบคนเดียวให้สิทธิ์ผู้ดูแลระบบหรือเจ้าหน้าที่รับแจ้งเบาะแสการทุจริตไม่ได้ ต้องเสนอแล้วให้ผู้ดูแลระบบอีกคนอนุมัติ",
        "One admin alone cannot grant admin or integrity-officer access; propose it and have a different admin "
        "approve it.",
    )


def create_user(
    *, username: str, display_name: str, role: str, password: str, unit_id=None, email: str | None = None
) -> User:
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
        user = accounts.create_user(
            fields["username"],
            fields["display_name"],
            fields["role"],
            password,
            unit.code if unit else None,
            fields["email"],
        )
    except accounts.AccountError as exc:
        raise BilingualError(
            409, "account-conflict", "สร้างบัญชีไม่ได้ (อาจมีผู้ใช้ชื่อนี้แล้ว)", f"The account could not be created: {exc}."
        ) from None
    log_change("created user %s (%s)", user.username, user.role)
    return user


def propose_guarded_user(
    actor: User,
    *,
    username: str,
    display_name: str,
    role: str = integrity_grants.ROLE,
    unit_id=None,
    email: str | None = None,
) -> IntegrityGrant:
    """Propose a new admin or integrity officer; a different admin approves it (and gets the password)."""
    check = Checker()
    fields = _checked_new_user(check, username, display_name, role, unit_id, email)
    check.raise_if_any()
    if fields["role"] not in integrity_grants.GUARDED_ROLES:
        raise BilingualError(
            422,
            "not-a-grant",
            "บทบาทนี้สร้างได้โดยตรง ไม่ต้องขออนุมัติ",
            "This role needs no approval: create the account directly.",
        )
    unit = fields["unit"]
    return integrity_grants.propose(
        actor,
        "create",
        username=fields["username"],
        payload={
            "display_name": fields["display_name"],
            "role": fields["role"],
            "unit_id": unit.id if unit else None,
            "email": fields["email"],
        },
    )


def update_user(
    actor: User, user: User, *, display_name: str, role: str, unit_id=None, email: str | None = None, active: bool
) -> User | IntegrityGrant:
    """Change an account's name, role, unit, email and active flag.

    An admin cannot deactivate or demote themselves: that could leave no one
    able to administer the system. An edit that grants or takes the integrity
    role, or re-activates an integrity officer, is only proposed: the account is
    left as it is and the proposal is returned for a second admin.
    """
    check = Checker()
    display_name = check.text("display_name", display_name, ("ชื่อที่แสดง", "Display name"), max_len=200)
    role = _check_role(check, role)
    unit = check_unit(check, unit_id)
    email = _check_email(check, email)
    check.raise_if_any()
    if user.id == actor.id and (role != "admin" or not active):
        raise BilingualError(
            409,
            "self-lockout",
            "ผู้ดูแลระบบไม่สามารถปิดการใช้งานหรือลดสิทธิ์บัญชีของตนเองได้ ให้ผู้ดูแลระบบคนอื่นดำเนินการแทน",
            "An admin cannot deactivate or demote their own account; ask another admin to do it.",
        )
    grant = integrity_grants.update_action(user, role, bool(active), email)
    if grant:
        return integrity_grants.propose(
            actor,
            grant,
            target=user,
            username=user.username,
            payload={
                "display_name": display_name,
                "role": role,
                "unit_id": unit.id if unit else None,
                "email": email,
                "active": bool(active),
            },
        )
    user.display_name, user.role, user.unit, user.email, user.active = display_name, role, unit, email, bool(active)
    changed()
    log_change("updated user %s (role %s, active %s)", user.username, user.role, user.active)
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
    changed()
    log_change("reset the password of %s", user.username)
    return password


def unlock_user(user: User) -> User:
    user.failed_logins = 0
    user.locked_until = None
    changed()
    log_change("unlocked %s", user.username)
    return user
