"""Staff accounts."""

from __future__ import annotations

import hmac
import secrets
from functools import cache

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from complaints.extensions import db
from complaints.ids import parse_id
from complaints.models import ROLES, Unit, User, utcnow
from complaints.models.user import password_hash_method
from complaints.services.operations import throttle
from complaints.services.unit_of_work import unit_of_work

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    pass


def user_named(username: str) -> User | None:
    """The account with this username (exactly as stored), or None."""
    return db.session.scalar(select(User).where(User.username == username))


def create_user(
    username: str, display_name: str, role: str, password: str, unit_code: str | None = None, email: str | None = None
) -> User:
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
    db.session.flush()
    return user


def create_user_by_cli(
    username: str, display_name: str, role: str, password: str, unit_code: str | None = None, email: str | None = None
) -> User:
    """`flask create-user`: an admin or integrity officer made here is audited and told to the integrity officers.

    The command line is one of the two ways to grant those roles (the other is
    two admins, services/staff/integrity_grants.py): whoever runs it holds the server.
    """
    from complaints.services.staff import integrity_grants

    with unit_of_work():  # the command's one transaction
        user = create_user(username, display_name, role, password, unit_code, email)
        if role in integrity_grants.GUARDED_ROLES:
            integrity_grants.record_cli_grant("create", user)
    return user


def set_password_by_cli(user: User, password: str) -> None:
    """A new password set on the command line (e.g. `flask set-password`): ends the
    account's sessions and clears its sign-in throttle; an integrity officer's is a
    grant (as an admin's), audited and told to the integrity officers."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    from complaints.services.staff import integrity_grants

    with unit_of_work():  # the command's one transaction
        user.set_password(password)
        user.failed_logins = 0
        user.locked_until = None
        if user.role in integrity_grants.GUARDED_ROLES:
            integrity_grants.record_cli_grant("password", user)


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


class SignInThrottled(Exception):
    """Too many failed sign-ins for this account from this address: wait `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@cache
def _dummy_hash(method: str) -> str:
    # Same algorithm and cost as a real password's hash (User.set_password).
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def _throttle_names(username: str, address: str | None) -> tuple[str, str]:
    subject = throttle.key(address or "-", username.strip().lower())
    return f"login-failures:{subject}", f"login-wait:{subject}"


def authenticate(username: str, password: str, address: str | None = None) -> User | None:
    """The user for these credentials, or None; raises SignInThrottled while this address waits.

    * Equal work: an unknown or inactive username still has one password hash
      checked (against a dummy), so the time of the answer does not tell which
      usernames exist.
    * Throttle, not lock: after LOGIN_MAX_FAILURES failures for one username from one
      address, that address waits LOGIN_THROTTLE_SECONDS, doubling with each further
      failure (at most LOGIN_THROTTLE_MAX_SECONDS); the owner signing in from
      anywhere else is not held up, so guessing cannot lock anyone out, admins
      included. Every address also has the route's own limit (LOGIN_RATE_LIMIT).
      Unknown usernames are throttled alike, so the wait tells nothing either.
    """
    config = current_app.config
    failures_name, wait_name = _throttle_names(username, address)
    if throttle.count(wait_name):
        raise SignInThrottled(int(config["LOGIN_THROTTLE_SECONDS"]))
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(password_hash_method()), password)
        _failed(None, failures_name, wait_name)
        return None
    if not check_password_hash(user.password_hash, password):
        _failed(user, failures_name, wait_name)
        return None
    throttle.clear(failures_name)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    return user


def _failed(user: User | None, failures_name: str, wait_name: str) -> None:
    config = current_app.config
    # Failures are remembered for an hour past the longest wait.
    failures = throttle.add(failures_name, config["LOGIN_THROTTLE_MAX_SECONDS"] + 3600)
    over = failures - config["LOGIN_MAX_FAILURES"]
    if over >= 0:
        wait = min(config["LOGIN_THROTTLE_SECONDS"] * 2**over, config["LOGIN_THROTTLE_MAX_SECONDS"])
        throttle.add(wait_name, wait)
    if user is not None:
        user.failed_logins += 1  # shown to admins; it locks nothing
