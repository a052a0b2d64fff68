"""Staff accounts."""
from __future__ import annotations

import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from complaints.extensions import db
from complaints.ids import parse_id
from complaints.models import ROLES, Unit, User, utcnow

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    pass


def create_user(username: str, display_name: str, role: str, password: str, unit_code: str | None = None,
                email: str | None = None) -> User:
    if role not in ROLES:
        raise AccountError(f"unknown role {role}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username} already exists")
    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise AccountError(f"unknown unit {unit_code}")
    user = User(username=username, display_name=display_name, role=role, unit=unit, email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader: "<id>:<session token>" (User.get_id), or nobody.

    A cookie from before the account's sessions were ended (sign-out, new password)
    carries an old token and loads nobody.
    """
    user_id, _, token = str(session_id).partition(":")
    row_id = parse_id(user_id)
    user = db.session.get(User, row_id) if row_id is not None else None
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def sign_out(user: User) -> None:
    """End every session of this account: a copy of the cookie kept from before is refused."""
    user.end_sessions()
    db.session.commit()


def authenticate(username: str, password: str) -> User | None:
    """The user for these credentials, or None; locks the account after repeated failures.

    A locked account refuses even the right password until the lock runs out, and
    the answer is the same as for a wrong password, so guessing learns nothing.
    """
    config = current_app.config
    now = utcnow()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        return None
    if user.locked_until is not None and user.locked_until > now:
        return None
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
            user.failed_logins = 0
        db.session.commit()
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return user
