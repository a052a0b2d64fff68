"""Staff accounts."""
from __future__ import annotations

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import ROLES, Unit, User

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    pass


def create_user(username: str, display_name: str, role: str, password: str, unit_code: str | None = None) -> User:
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
    user = User(username=username, display_name=display_name, role=role, unit=unit)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader."""
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
