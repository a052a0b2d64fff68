"""Staff accounts (officers, supervisors, managers, admins)."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from complaints.models.base import Base, utcnow
from complaints.models.reference import Unit


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


# Werkzeug's default, scrypt, a current memory-hard algorithm: what every real run uses.
PASSWORD_HASH_METHOD = "scrypt"
# What an app with TESTING on uses instead (the test suite; production refuses TESTING,
# complaints.startup_checks): one PBKDF2 round, not a fifth of a second of scrypt for every
# account a test makes or signs in with. A test of the hashing itself sets the app's
# TESTING_PASSWORD_HASH_METHOD to PASSWORD_HASH_METHOD.
TESTING_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"


def password_hash_method() -> str:
    """The werkzeug method new password hashes are made with (checking reads the
    method from the stored hash, so hashes of either kind keep working)."""
    if has_app_context() and current_app.testing:
        method: str = current_app.config.get("TESTING_PASSWORD_HASH_METHOD", TESTING_PASSWORD_HASH_METHOD)
        return method
    return PASSWORD_HASH_METHOD


# "integrity": the designated officers who alone handle tip-offs (แจ้งเบาะแสการทุจริต).
ROLES = ("officer", "supervisor", "manager", "admin", "integrity")


class User(UserMixin, Base):  # type: ignore[misc]  # flask_login ships no type hints
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Part of the id Flask-Login keeps in the session cookie: a new token (at sign-out
    # or a new password) makes every cookie issued before it worthless, even replayed.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())
        self.end_sessions()

    def end_sessions(self) -> None:
        """Invalidate every session cookie issued to this account so far."""
        self.session_token = new_session_token()

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds
        return f"{self.id}:{self.session_token}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active
